"""How the work runs, below every stage: cancellation checkpoints (a build no longer
wanted stops between steps) and the pool of worker processes for long, pure loops."""
