#!/usr/bin/env python3
"""dig as an oracle: serves crafted records on 127.0.0.1 and prints what
dig 9.18 makes of each.  Input lines: TYPE HEX-RDATA [OWNER-WIRE-HEX].
Output: one line per input, dig's text of the record after the type
(or of the owner name when OWNER is given)."""
import socket, struct, subprocess, sys, threading

entries = []
for line in sys.stdin:
    parts = line.split()
    if not parts:
        continue
    t = int(parts[0]); rd = bytes.fromhex(parts[1]) if parts[1] != '-' else b''
    owner = bytes.fromhex(parts[2]) if len(parts) > 2 else None
    entries.append((t, rd, owner))

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0))
port = s.getsockname()[1]

def serve():
    while True:
        q, addr = s.recvfrom(4096)
        # qname starts at 12; first label "rN"
        l = q[12]; idx = int(q[14:13 + l].decode())
        qend = 12
        while q[qend] != 0:
            qend += 1 + q[qend]
        qend += 5
        t, rd, owner = entries[idx]
        hdr = q[:2] + struct.pack('>HHHHH', 0x8180, 1, 1, 0, 0)
        own = owner if owner is not None else b'\xc0\x0c'
        rr = own + struct.pack('>HHIH', t, 1, 300, len(rd)) + rd
        s.sendto(hdr + q[12:qend] + rr, addr)

threading.Thread(target=serve, daemon=True).start()
for i, (t, rd, owner) in enumerate(entries):
    out = subprocess.run(['dig', '@127.0.0.1', '-p', str(port), 'r%d.test' % i,
                          '+noall', '+answer', '+tries=1', '+time=2'],
                         capture_output=True, text=True).stdout
    line = out.strip().split('\n')[0] if out.strip() else '<none>'
    if owner is not None:
        print(line.split('\t')[0])
    else:
        f = line.split(None, 4)
        print(f[4] if len(f) > 4 else line)
