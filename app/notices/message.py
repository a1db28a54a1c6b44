"""A notice as one reader sees it: short, in their language, with a link to act on."""

from dataclasses import dataclass

ELLIPSIS = "…"


@dataclass(frozen=True)
class Message:
    title: str
    # Plain lines; each channel lays them out in its own format.
    lines: tuple[str, ...]
    # Absolute: <BASE_URL>/… of the page to act on.
    link: str

    @property
    def text(self) -> str:
        return "\n".join((self.title, *self.lines, self.link))

    def text_within(self, limit: int, after: str = "") -> str:
        """The text, and `after` it, in at most `limit` UTF-8 bytes, for a chat that refuses a
        longer one (WeCom takes 2,048): the title and the link whole, the lines kept while
        they fit and the first that does not cut short with "…" (the link has it all)."""
        if len((self.text + after).encode()) <= limit:
            return self.text + after
        room = limit - len(f"{self.title}\n{self.link}{after}".encode())
        kept = []
        for line in self.lines:
            size = len(line.encode()) + 1  # and its line break
            if size > room:
                cut = line.encode()[: max(room - 1 - len(ELLIPSIS.encode()), 0)]
                if cut:
                    kept.append(cut.decode(errors="ignore") + ELLIPSIS)
                break
            kept.append(line)
            room -= size
        return "\n".join((self.title, *kept, self.link)) + after
