"""The learner's side: vocabulary book, explanations, reviews."""
