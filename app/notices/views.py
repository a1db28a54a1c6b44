"""The logistics head's pages: the school's chats, and every delivery."""
