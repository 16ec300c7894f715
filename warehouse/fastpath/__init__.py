"""The scan path's speed-ups, in one place."""
