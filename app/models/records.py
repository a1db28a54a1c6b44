"""Signed records are never edited or deleted: a correction is a new record."""

from sqlalchemy import event


class ImmutableRecordError(RuntimeError):
    pass


def immutable(model):
    """Refuse, at the ORM level, any update or delete of a signed record."""

    def refuse(mapper, connection, target):
        raise ImmutableRecordError(f"{type(target).__name__} {target.id} is a signed record")

    event.listen(model, "before_update", refuse)
    event.listen(model, "before_delete", refuse)
    return model
