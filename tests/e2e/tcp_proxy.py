"""A loopback TCP relay between a product binary and the real API server, for the two faults
the real server cannot be told to make: a client that dies half-way through a request (hold),
and a client cut off while the cluster changes (pause + drop). TLS passes through untouched
(end to end between the binary and kube-apiserver)."""
import socket
import threading


class TcpProxy:
    def __init__(self, upstream_port):
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.conns = []  # (client, upstream) pairs
        self.open = threading.Event()  # cleared: new connections wait, data is not forwarded
        self.open.set()
        self.hold_after = None  # forward at most this many client bytes per connection
        self.client_bytes = 0   # client->server bytes forwarded, all connections
        self.accepted = 0
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                c, _ = self.listener.accept()
            except OSError:
                return
            self.open.wait()
            try:
                u = socket.create_connection(self.upstream, timeout=10)
                u.settimeout(None)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.conns.append((c, u))
                self.accepted += 1
            sent = [0]
            threading.Thread(target=self._pump, args=(c, u, sent, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(u, c, sent, False), daemon=True).start()

    def _pump(self, src, dst, sent, from_client):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                self.open.wait()
                if from_client and self.hold_after is not None:
                    room = self.hold_after - sent[0]
                    if room <= 0:
                        continue  # swallowed: the server never sees the rest
                    data = data[:room]
                if from_client:
                    sent[0] += len(data)
                    self.client_bytes += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def pause(self):
        """Stop forwarding and accepting (the client sees a silent network)."""
        self.open.clear()

    def drop_all(self):
        """Close every relayed connection on both sides."""
        with self.lock:
            conns, self.conns = self.conns, []
        for pair in conns:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def resume(self):
        self.open.set()

    def close(self):
        self.stopped = True
        self.resume()
        self.drop_all()
        self.listener.close()
