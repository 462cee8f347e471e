// A seccomp filter for bubblewrap (--seccomp): the runtime may not create symlinks, so an app cannot leave a link in its data dir that leads a host program out.
//
// A symlink's meaning depends on where it is followed from, so no check at creation time (the JS
// guard's included) can tell whether a host program following it later stays inside. The kernel
// layer therefore refuses symlink(2) and symlinkat(2) outright (EPERM); nothing in node or the
// runtime creates symlinks.

/** Classic BPF opcodes (linux/filter.h, linux/bpf_common.h). */
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JA = 0x05;
const RET_K = 0x06;

const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const EPERM = 1;

/** struct seccomp_data: nr at 0, arch at 4. */
const NR = 0;
const ARCH = 4;
const AUDIT_ARCH_X86_64 = 0xc000003e;
const AUDIT_ARCH_AARCH64 = 0xc00000b7;
const X32_SYSCALL_BIT = 0x40000000;

/** Syscall numbers that create symlinks, per architecture. */
const DENIED: Record<number, readonly number[]> = {
  [AUDIT_ARCH_X86_64]: [88, 266], // symlink, symlinkat
  [AUDIT_ARCH_AARCH64]: [36], // symlinkat
};

type Insn = { code: number; jt: number | string; jf: number | string; k: number } | { label: string };

/** Resolves label jumps and encodes struct sock_filter[] (little-endian, 8 bytes each). */
function assemble(program: readonly Insn[]): Buffer {
  const labels = new Map<string, number>();
  const code: Exclude<Insn, { label: string }>[] = [];
  for (const insn of program) {
    if ('label' in insn) labels.set(insn.label, code.length);
    else code.push(insn);
  }
  const out = Buffer.alloc(code.length * 8);
  code.forEach((insn, index) => {
    const offset = (target: number | string): number => {
      if (typeof target === 'number') return target;
      const at = labels.get(target);
      if (at === undefined) throw new Error(`internal error: no label ${target}`);
      return at - index - 1;
    };
    const k = insn.code === JA && typeof insn.jt === 'string' ? offset(insn.jt) : insn.k;
    out.writeUInt16LE(insn.code, index * 8);
    out.writeUInt8(insn.code === JA ? 0 : offset(insn.jt), index * 8 + 2);
    out.writeUInt8(insn.code === JA ? 0 : offset(insn.jf), index * 8 + 3);
    out.writeUInt32LE(k >>> 0, index * 8 + 4);
  });
  return out;
}

/** The filter bubblewrap installs before it execs the runtime. */
export function denySymlinkFilter(): Buffer {
  const program: Insn[] = [];
  for (const [arch, numbers] of Object.entries(DENIED)) {
    const next = `not-${arch}`;
    program.push({ code: LD_W_ABS, jt: 0, jf: 0, k: ARCH });
    program.push({ code: JEQ_K, jt: 0, jf: next, k: Number(arch) });
    program.push({ code: LD_W_ABS, jt: 0, jf: 0, k: NR });
    // x32 syscalls on x86_64: nothing weft runs uses them; refuse them all.
    if (Number(arch) === AUDIT_ARCH_X86_64) program.push({ code: JGE_K, jt: 'deny', jf: 0, k: X32_SYSCALL_BIT });
    for (const nr of numbers) program.push({ code: JEQ_K, jt: 'deny', jf: 0, k: nr });
    program.push({ code: JA, jt: 'allow', jf: 0, k: 0 });
    program.push({ label: next });
  }
  program.push({ label: 'allow' }, { code: RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ALLOW });
  program.push({ label: 'deny' }, { code: RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ERRNO | EPERM });
  return assemble(program);
}
