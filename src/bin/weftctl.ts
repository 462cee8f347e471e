#!/usr/bin/env node
// weftctl: command-line control of weft-appd (apps, launch, ps, state, send, stop, watch, status, completion).
import { hideBin } from 'yargs/helpers';
import { runCtl } from '../ctl/main.js';

process.exitCode = await runCtl(hideBin(process.argv));
