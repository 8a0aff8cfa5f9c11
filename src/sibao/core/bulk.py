"""Rows sent to PostgreSQL in one statement as one parameter per column: a text per column split
by ``string_to_table`` when every value can be written as a line (adapting a few thousand values
one by one as array elements costs the client more than the server spends splitting a text), an
array per column otherwise. The feeds' parts (``epidemic.ingest.send_parts``) and a tracing job's
contacts go this way."""

from collections.abc import Callable


def part_statements(columns, statement: Callable[[str], str]) -> dict[bool, str]:
    """A part's statement by the way its rows come (``part_values``): ``True`` one text per
    column, ``False`` one array per column. ``columns``: (name, type) pairs, the parameters'
    names; ``statement(rows)``: the SQL with ``rows`` (the part's rows, aliased ``f``) in its
    ``FROM`` clause."""
    names = ", ".join(name for name, _type in columns)
    casts = ", ".join(f"{name}::{kind}" for name, kind in columns)
    tables = ", ".join(f"string_to_table(%({name})s::text, E'\\n')" for name, _type in columns)
    arrays = ", ".join(f"%({name})s::{kind}[]" for name, kind in columns)
    return {
        True: statement(f"(SELECT {casts} FROM ROWS FROM ({tables}) AS split({names})) AS f"),
        False: statement(f"unnest({arrays}) AS f({names})"),
    }


def part_values(columns, rows) -> tuple[bool, dict]:
    """The parameters of a part's rows (tuples in the order of the (name, type) ``columns``):
    (True, one text per column) or, when a text could not carry them, (False, one list per
    column)."""
    names = [name for name, _type in columns]
    columns = list(zip(*rows, strict=True))
    texts = {}
    for name, column in zip(names, columns, strict=True):
        if None in column:
            break
        text = "\n".join(map(str, column))
        if (not text and len(column) == 1) or text.count("\n") != len(column) - 1:
            break
        texts[name] = text
    else:
        return True, texts
    return False, {name: list(column) for name, column in zip(names, columns, strict=True)}
