from scmlib.cli import main

raise SystemExit(main())
