from intacct_reconcile.cli import main

main()
