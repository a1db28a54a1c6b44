"""A notice as one reader sees it: short, in their language, with a link to act on."""

from dataclasses import dataclass


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
