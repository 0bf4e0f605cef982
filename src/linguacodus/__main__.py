from linguacodus.cli import main

main()
