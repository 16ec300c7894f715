"""What the warehouse connects at its own extension points: its message codes.

The warehouse's other built-ins (the ``lookup`` and ``receive`` scans) are
part of the code that calls them; ``tests/test_wiring.py`` pins the result.
"""


def wire() -> None:
    """Connect the warehouse's own; :meth:`WarehouseConfig.ready` calls it once,
    before the other apps' ``wire()`` (its catalogue comes first).

    Running it again changes nothing.
    """
    from django.contrib.auth.signals import user_logged_in

    from warehouse import extensions as ext
    from warehouse.common.languages import language_remember

    from . import messages

    # Its message codes: its refusals and the timeline's legacy reasons.
    ext.message_catalogue_register(messages.CATALOGUE)
    # A person's language is kept in their session when they sign in.
    user_logged_in.connect(language_remember, dispatch_uid="qcw-language")
