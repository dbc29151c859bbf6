"""The strategy's results framework: indicators, measurements, workplan and progress."""
