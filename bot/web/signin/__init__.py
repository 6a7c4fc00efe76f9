"""Signing in to the reader: a Telegram Mini App's init data on every request, or a session cookie
opened by a single-use /web link the bot sends in a private chat; CSRF tokens on the session's forms."""
