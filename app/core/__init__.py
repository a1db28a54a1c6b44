"""What several areas of Patrol use, below them all: no module here imports an area."""
