package plug;

import java.lang.management.ManagementFactory;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanConstructorInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.ReflectionException;

/**
 * MBeanLeak done right: the MBean is unregistered again. 2 classes (MBeanFixed,
 * MBeanFixed$Probe).
 */
public class MBeanFixed implements Runnable {
    @Override
    public void run() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            ObjectName name = new ObjectName("mltest", "probe", Long.toString(System.nanoTime()));
            server.registerMBean(new Probe(), name);
            server.unregisterMBean(name);
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }

    static final class Probe implements DynamicMBean {
        @Override
        public Object getAttribute(String attribute) throws AttributeNotFoundException {
            throw new AttributeNotFoundException(attribute);
        }

        @Override
        public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
            throw new AttributeNotFoundException(attribute.getName());
        }

        @Override
        public AttributeList getAttributes(String[] attributes) {
            return new AttributeList();
        }

        @Override
        public AttributeList setAttributes(AttributeList attributes) {
            return new AttributeList();
        }

        @Override
        public Object invoke(String actionName, Object[] params, String[] signature)
                throws ReflectionException {
            throw new ReflectionException(new NoSuchMethodException(actionName));
        }

        @Override
        public MBeanInfo getMBeanInfo() {
            return new MBeanInfo(Probe.class.getName(), "metaleak test probe, unregistered",
                    new MBeanAttributeInfo[0], new MBeanConstructorInfo[0],
                    new MBeanOperationInfo[0], new MBeanNotificationInfo[0]);
        }
    }
}
