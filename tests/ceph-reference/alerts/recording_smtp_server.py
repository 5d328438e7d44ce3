import socket, sys, base64, json, os
mode_file = '/tmp/ap_smtp/mode'
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 0)); s.listen(5)
print(s.getsockname()[1], flush=True)
n = 0
while True:
    c, a = s.accept(); n += 1
    mode = open(mode_file).read().strip() if os.path.exists(mode_file) else 'plain'
    log = open('/tmp/ap_smtp/session_%d_%s.txt' % (n, mode), 'wb')
    f = c.makefile('rb')
    def send(b):
        log.write(b'S: ' + b + b'\n'); c.sendall(b + b'\r\n')
    send(b'220 test.example ESMTP ready')
    indata = False
    while True:
        line = f.readline()
        if not line: break
        log.write(b'C: ' + line); log.flush()
        l = line.rstrip(b'\r\n'); u = l.upper()
        if indata:
            if l == b'.':
                indata = False; send(b'250 2.0.0 Ok: queued as 1')
            continue
        if u.startswith(b'EHLO'):
            auth = {'plain': b'AUTH PLAIN LOGIN', 'login': b'AUTH LOGIN', 'cram': b'AUTH CRAM-MD5 PLAIN LOGIN', 'fail535': b'AUTH PLAIN LOGIN'}.get(mode, b'AUTH PLAIN LOGIN')
            send(b'250-test.example'); send(b'250-SIZE 10240000'); send(b'250-' + auth); send(b'250 8BITMIME')
        elif u.startswith(b'AUTH CRAM-MD5'):
            send(b'334 ' + base64.b64encode(b'<1896.697170952@test.example>'))
            resp = f.readline(); log.write(b'C: ' + resp); send(b'235 2.7.0 Authentication successful')
        elif u.startswith(b'AUTH LOGIN'):
            send(b'334 UGFzc3dvcmQ6')
            resp = f.readline(); log.write(b'C: ' + resp)
            if mode == 'fail535': send(b'535 5.7.8 Error: authentication failed: UGFzc3dvcmQ6')
            else: send(b'235 2.7.0 Authentication successful')
        elif u.startswith(b'AUTH PLAIN'):
            if mode == 'fail535': send(b'535 5.7.8 Error: authentication failed: bad')
            else: send(b'235 2.7.0 Authentication successful')
        elif u.startswith(b'MAIL'): send(b'250 2.1.0 Ok')
        elif u.startswith(b'RCPT'): send(b'250 2.1.5 Ok')
        elif u == b'DATA': send(b'354 End data with <CR><LF>.<CR><LF>'); indata = True
        elif u == b'QUIT': send(b'221 2.0.0 Bye'); break
        else: send(b'502 5.5.2 Error: command not recognized')
    log.close(); c.close()
