// Unit tests for weft's wasm binary helpers: kind detection, export listing and the linear-memory limit rewriter.
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { describe, expect, it } from 'vitest';
import { coreExports, wasmKind } from '../../src/wasm/binary.js';
import { WasmFormatError } from '../../src/wasm/byte-reader.js';
import { InitialMemoryTooLargeError, limitLinearMemory } from '../../src/wasm/memory-limit.js';
import { WebAssemblyApi as wa } from '../../src/wasm/webassembly-api.js';

const MIB = 1024 * 1024;

function grower(memory: string): Promise<Uint8Array> {
  return parse(`(module ${memory} (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))) (func (export "size") (result i32) (memory.size)))`);
}

describe('wasmKind', () => {
  it('tells core modules from components and rejects the rest', async () => {
    expect(wasmKind(await parse('(module)'))).toBe('core');
    expect(wasmKind(await parse('(component)'))).toBe('component');
    expect(() => wasmKind(new TextEncoder().encode('#!/bin/sh\n'))).toThrow(WasmFormatError);
    expect(() => wasmKind(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]))).toThrow(/version 2/);
  });
});

describe('coreExports', () => {
  it('lists names and kinds', async () => {
    const bytes = await parse('(module (memory (export "memory") 1) (func (export "_start")) (global (export "g") i32 (i32.const 0)))');
    expect(coreExports(bytes)).toEqual([
      { name: 'memory', kind: 2 },
      { name: '_start', kind: 0 },
      { name: 'g', kind: 3 },
    ]);
  });
});

describe('limitLinearMemory', () => {
  it('adds a maximum to a memory that has none, and memory.grow stops there', async () => {
    const { bytes, memories } = limitLinearMemory(await grower('(memory 1)'), 2 * MIB);
    expect(memories).toEqual([{ index: 0, initialBytes: 65536, maximumBytes: 2 * MIB, declaredMaximumBytes: null }]);
    const instance = new wa.Instance(new wa.Module(bytes));
    const grow = instance.exports.grow as (pages: number) => number;
    expect(grow(31)).toBe(1); // 32 pages = 2 MiB
    expect(grow(1)).toBe(-1);
  });

  it('lowers a larger declared maximum and keeps a smaller one', async () => {
    expect(limitLinearMemory(await grower('(memory 1 1000)'), MIB).memories[0]?.maximumBytes).toBe(MIB);
    expect(limitLinearMemory(await grower('(memory 1 4)'), MIB).memories[0]?.maximumBytes).toBe(4 * 65536);
  });

  it('refuses a module whose initial memory is already above the limit', async () => {
    const big = await grower('(memory 40)');
    expect(() => limitLinearMemory(big, MIB)).toThrow(InitialMemoryTooLargeError);
  });

  it('leaves modules without a memory section, and imported memories, alone', async () => {
    const none = await parse('(module (func (export "f")))');
    expect(limitLinearMemory(none, MIB).bytes).toBe(none);
    const imported = await parse('(module (import "env" "memory" (memory 1)))');
    expect(limitLinearMemory(imported, MIB).bytes).toBe(imported);
  });

  it('keeps every other section byte for byte', async () => {
    const original = await parse('(module (memory 1) (data (i32.const 0) "abc") (func (export "f") (result i32) (i32.const 7)))');
    const { bytes } = limitLinearMemory(original, MIB);
    const instance = new wa.Instance(new wa.Module(bytes));
    expect((instance.exports.f as () => number)()).toBe(7);
    expect(bytes.length).toBe(original.length + 1); // the flags byte stays, one LEB byte for the maximum is added
  });
});
