"""The reader: BuildSpeak's reading page on the bot's own HTTP app (今日 / 归档 / 生词本 / 关于),
on the open web and as a Telegram Mini App. Server-rendered from the same shelf, vocabulary book
and quiz core the chats use; a little plain JavaScript for audio and keys; every asset ours."""
