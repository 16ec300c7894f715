"""Return inspections: a buyer's returned item compared with its certificate."""
