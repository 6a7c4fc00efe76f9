"""The platform-neutral conversation: incoming events in, replies out. Adapters only translate."""
