"""intacct-reconcile: configuration-as-code for Sage Intacct."""

__version__ = "0.1.0"
