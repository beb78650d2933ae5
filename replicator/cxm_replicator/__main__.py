from cxm_replicator.cli import main

raise SystemExit(main())
