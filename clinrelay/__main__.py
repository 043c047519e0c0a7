from clinrelay.cli import main

main()
