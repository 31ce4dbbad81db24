#!/usr/bin/env python3
"""Where a train command's CPU goes, per thread (issue 13's system-time tracing).

Usage: scripts/bench/train_threads.py OUTDIR   (leave it running beside scripts/bench/parallel-e2e.sh; stop it after)
For every `streamtrain train` JVM that starts, attaches `perf stat` (page faults, context switches) and, with
RECORD=1, `perf record -g` (EVENTS=cpu-clock by default, e.g. EVENTS=cpu-clock,page-faults), and samples each
thread's user and system time, minor faults and voluntary context switches from /proc until the JVM exits; then
writes OUTDIR/SPEC.threads (summed by thread name, digits folded to #), OUTDIR/SPEC.perf and OUTDIR/SPEC.data.
Attach one watcher at a time: every watcher adds its own perf sessions to the JVM.
"""
import os, sys, time, re, subprocess, collections
out = sys.argv[1]; tck = os.sysconf('SC_CLK_TCK')
seen = set()
def train_pids():
    r = []
    for p in os.listdir('/proc'):
        if not p.isdigit(): continue
        try: cmd = open(f'/proc/{p}/cmdline','rb').read().split(b'\0')
        except Exception: continue
        if b'io.streamtrain.cli.Main' in cmd and b'train' in cmd and cmd[0].endswith(b'java'):
            r.append((int(p), cmd))
    return r
while True:
    for pid, cmd in train_pids():
        if pid in seen: continue
        seen.add(pid)
        tag = [c.decode() for c in cmd if c.endswith(b'.yaml')][0].split('/')[-1]
        perf = subprocess.Popen(['perf','stat','-e','task-clock,page-faults,major-faults,context-switches,cpu-migrations','-p',str(pid),'-o',f'{out}/{tag}.perf'])
        rec = subprocess.Popen(['perf','record','-e',os.environ.get('EVENTS','cpu-clock'),'-F','199','-g','-p',str(pid),'-o',f'{out}/{tag}.data'],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL) if os.environ.get('RECORD') else None
        last = {}
        while os.path.exists(f'/proc/{pid}'):
            try:
                for t in os.listdir(f'/proc/{pid}/task'):
                    try:
                        s = open(f'/proc/{pid}/task/{t}/stat').read()
                        name = s[s.index('(')+1:s.rindex(')')]
                        f = s[s.rindex(')')+2:].split()
                        st = open(f'/proc/{pid}/task/{t}/status').read()
                        vcs = int(re.search(r'voluntary_ctxt_switches:\s+(\d+)', st).group(1))
                        last[t] = (name, int(f[11])/tck, int(f[12])/tck, vcs, int(f[7]))
                    except Exception: pass
            except Exception: pass
            time.sleep(0.3)
        perf.wait()
        if rec: rec.wait()
        agg = collections.defaultdict(lambda: [0,0,0,0,0])
        for name, u, s, v, mf in last.values():
            k = re.sub(r'\d+', '#', name); a = agg[k]; a[0]+=u; a[1]+=s; a[2]+=1; a[3]+=v; a[4]+=mf
        with open(f'{out}/{tag}.threads','w') as fo:
            fo.write(f"{'thread':30s} {'user':>7s} {'sys':>7s} {'n':>3s} {'vcsw':>9s} {'minflt':>9s}\n")
            for k,a in sorted(agg.items(), key=lambda kv:-(kv[1][0]+kv[1][1])):
                fo.write(f"{k:30s} {a[0]:7.2f} {a[1]:7.2f} {a[2]:3d} {a[3]:9d} {a[4]:9d}\n")
            fo.write(f"{'TOTAL':30s} {sum(a[0] for a in agg.values()):7.2f} {sum(a[1] for a in agg.values()):7.2f}\n")
    time.sleep(0.2)
