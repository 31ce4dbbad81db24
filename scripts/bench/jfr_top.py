#!/usr/bin/env python3
"""Top frames of JFR recordings for one thread (name regex), summed over several recordings of the same setup.

Usage: scripts/bench/jfr_top.py THREAD_REGEX FILE.jfr [FILE.jfr ...]
Prints: execution samples of the matching threads per recording (a proxy for their CPU time: JFR samples running
Java threads every 10-20 ms), the top self frames, the share of samples whose stack holds each streamtrain or
Flink serialization frame (inclusive), and the allocation samples' weight by class and first streamtrain/Flink
allocation site. Needs the JDK's `jfr` tool on PATH.
"""
import collections
import re
import subprocess
import sys


def events(path, name):
    out = subprocess.run(["jfr", "print", "--events", name, path], capture_output=True, text=True, check=True)
    return out.stdout.split(name)[1:]


def frames(event):
    return [f.split("(")[0] for f in re.findall(r"^\s+([\w$.<>/]+\([^)]*\))\s+line:", event, re.M)]


def main():
    thread = re.compile(sys.argv[1])
    files = sys.argv[2:]
    total, self_frames, inclusive = 0, collections.Counter(), collections.Counter()
    alloc, alloc_total = collections.Counter(), 0.0
    per_file = []
    for path in files:
        n = 0
        for e in events(path, "jdk.ExecutionSample"):
            m = re.search(r'sampledThread = "([^"]*)"', e)
            if not m or not thread.search(m.group(1)):
                continue
            fr = frames(e)
            if not fr:
                continue
            n += 1
            self_frames[fr[0]] += 1
            inclusive.update(set(fr))
        per_file.append(n)
        total += n
        for e in events(path, "jdk.ObjectAllocationSample"):
            m = re.search(r'eventThread = "([^"]*)"', e)
            if not m or not thread.search(m.group(1)):
                continue
            cls = re.search(r"objectClass = (\S+)", e).group(1)
            w = re.search(r"weight = ([\d.]+) (\w+)", e)
            size = float(w.group(1)) * {"bytes": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}.get(w.group(2), 1)
            fr = frames(e)
            site = next((f for f in fr if "streamtrain" in f or "flink" in f), fr[0] if fr else "?")
            alloc[(cls, site)] += size
            alloc_total += size
    print(f"execution samples of /{sys.argv[1]}/ per recording: {per_file} (total {total})")
    if not total:
        return
    print("top self frames:")
    for k, c in self_frames.most_common(15):
        print(f"  {100 * c / total:5.1f}%  {k}")
    print("inclusive (stack holds the frame):")
    for k, c in inclusive.most_common():
        if "streamtrain" in k or "deserialize" in k or "serialize" in k:
            if 100 * c / total >= 1.0:
                print(f"  {100 * c / total:5.1f}%  {k}")
    if alloc_total:
        print(f"allocation samples' weight: {alloc_total / 1e6:.0f} MB; top:")
        for (cls, site), v in alloc.most_common(8):
            print(f"  {100 * v / alloc_total:5.1f}%  {cls} <- {site}")


if __name__ == "__main__":
    main()
