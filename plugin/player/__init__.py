"""The learner player: server-rendered pages that work without JavaScript."""
