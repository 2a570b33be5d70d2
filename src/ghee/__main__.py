from ghee.cli import main

main()
