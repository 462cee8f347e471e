#!/usr/bin/env node
// Stand-alone entry for `weft-appd install-units`: writes weft's systemd --user units.
import { runInstallUnitsCli } from '../systemd/install-units-cli.js';

process.exitCode = await runInstallUnitsCli(process.argv.slice(2));
