"""A worker for the transparency kill drill: it stalls right after writing a
certificate's log entry, inside the issuing transaction (``test_drill.py``)."""
