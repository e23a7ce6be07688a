package kltest;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Just enough of a PostgreSQL server (protocol 3, trust authentication, simple queries that all
 * answer "SET") for the PostgreSQL JDBC driver to connect and run a statement: the known leak of
 * its shared timer needs a real connection, not a real database. Started by the host
 * (--fake-postgres); the port is in the system property kltest.postgres.port.
 */
final class FakePostgres {
    private FakePostgres() {
    }

    static int start() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Socket s = server.accept();
                    Thread c = new Thread(() -> serve(s), "fake-postgres-conn");
                    c.setDaemon(true);
                    c.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "fake-postgres");
        t.setDaemon(true);
        t.start();
        return server.getLocalPort();
    }

    private static void serve(Socket s) {
        try (Socket sock = s;
             DataInputStream in = new DataInputStream(sock.getInputStream());
             DataOutputStream out = new DataOutputStream(sock.getOutputStream())) {
            while (true) {
                int len = in.readInt();
                int code = in.readInt();
                in.readFully(new byte[len - 8]);
                if (code == 80877103 || code == 80877104) { // SSLRequest, GSSENCRequest
                    out.writeByte('N');
                    out.flush();
                    continue;
                }
                break; // the StartupMessage
            }
            msg(out, 'R', new byte[] {0, 0, 0, 0}); // AuthenticationOk
            param(out, "server_version", "14.0");
            param(out, "client_encoding", "UTF8");
            param(out, "DateStyle", "ISO, MDY");
            param(out, "integer_datetimes", "on");
            param(out, "standard_conforming_strings", "on");
            param(out, "TimeZone", "UTC");
            msg(out, 'K', new byte[] {0, 0, 0, 1, 0, 0, 0, 2}); // BackendKeyData
            ready(out);
            while (true) {
                int type = in.read();
                if (type < 0 || type == 'X') {
                    return;
                }
                int len = in.readInt();
                in.readFully(new byte[len - 4]);
                if (type == 'Q') {
                    msg(out, 'C', "SET\0".getBytes(StandardCharsets.US_ASCII));
                    ready(out);
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void param(DataOutputStream out, String k, String v) throws IOException {
        msg(out, 'S', (k + "\0" + v + "\0").getBytes(StandardCharsets.UTF_8));
    }

    private static void ready(DataOutputStream out) throws IOException {
        msg(out, 'Z', new byte[] {'I'});
    }

    private static void msg(DataOutputStream out, char type, byte[] body) throws IOException {
        out.writeByte(type);
        out.writeInt(body.length + 4);
        out.write(body);
        out.flush();
    }
}
