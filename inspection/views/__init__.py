"""The inspection pages: the inspector workstation, the item page, verification."""
