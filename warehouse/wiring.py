"""What the warehouse connects at its own extension points: its message codes.

The warehouse's other built-ins (the ``lookup`` and ``receive`` scans) are
part of the code that calls them; ``tests/test_wiring.py`` pins the result.
"""


def wire() -> None:
    """Connect the warehouse's own; :meth:`WarehouseConfig.ready` calls it once,
    before the other apps' ``wire()`` (its catalogue comes first).

    Running it again changes nothing.
    """
    from warehouse import extensions as ext

    from . import messages

    # Its message codes: its refusals and the timeline's legacy reasons.
    ext.message_catalogue_register(messages.CATALOGUE)
