package mlprod;

import java.util.concurrent.TimeUnit;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.VirtualMachine;

/**
 * A JMX client the way an operator's tool connects: the local attach connector of a running JVM
 * (VirtualMachine.attach, startLocalManagementAgent), then the MBean io.metaleak:type=Agent.
 *
 * Usage: JmxRead PID WAIT_SECONDS [ATTRIBUTE=VALUE ...]
 * Waits up to WAIT_SECONDS for the MBean (and, when given, for every ATTRIBUTE to have VALUE),
 * then prints "attr NAME TYPE writable=BOOL VALUE" per attribute and exits 0; prints "absent"
 * and exits 3 when the MBean never came, 4 when the values never matched. Note that starting
 * the local management agent creates the target's platform MBean server.
 */
public final class JmxRead {
    public static void main(String[] args) throws Exception {
        String pid = args[0];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
        VirtualMachine vm = VirtualMachine.attach(pid);
        String address;
        try {
            address = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
            MBeanServerConnection s = c.getMBeanServerConnection();
            ObjectName name = new ObjectName("io.metaleak:type=Agent");
            boolean present = false;
            boolean matched = false;
            while (System.nanoTime() < deadline) {
                present = s.isRegistered(name);
                matched = present;
                for (int i = 2; present && i < args.length; i++) {
                    String[] kv = args[i].split("=", 2);
                    matched &= String.valueOf(s.getAttribute(name, kv[0])).equals(kv[1]);
                }
                if (matched) {
                    break;
                }
                Thread.sleep(250);
            }
            if (!present) {
                System.out.println("absent");
                System.exit(3);
            }
            for (MBeanAttributeInfo a : s.getMBeanInfo(name).getAttributes()) {
                System.out.println("attr " + a.getName() + " " + a.getType() + " writable="
                        + a.isWritable() + " " + s.getAttribute(name, a.getName()));
            }
            System.exit(matched ? 0 : 4);
        }
    }
}
