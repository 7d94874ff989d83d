from hotelops.cli.app import main

main()
