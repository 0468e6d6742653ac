"""Arbiter: a desktop workstation for trust & safety escalation specialists."""
