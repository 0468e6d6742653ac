"""Quality assurance: re-review sampling and inter-rater agreement."""
