"""Counting the SQL a request sends: the pages whose query count must not grow with the data."""

from sqlalchemy import event

from app.extensions import db


def count_queries(app, action):
    """How many SQL statements an action (a request answering 200) sends to the database."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = action()
        assert response.status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)
