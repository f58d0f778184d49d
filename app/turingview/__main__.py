"""``python -m turingview`` runs the command line."""

from turingview.cli import main

if __name__ == "__main__":
    main()
