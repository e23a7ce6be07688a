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
import javax.management.ObjectName;
import javax.management.ReflectionException;

/**
 * Registers an MBean of its own class in the platform MBeanServer and never unregisters it:
 * 2 classes (MBeanLeak, MBeanLeak$Probe). A DynamicMBean, so that the JMX introspector and its
 * caches play no part.
 */
public class MBeanLeak implements Runnable {
    @Override
    public void run() {
        try {
            ManagementFactory.getPlatformMBeanServer().registerMBean(new Probe(),
                    new ObjectName("mltest", "probe", Long.toString(System.nanoTime())));
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
            return new MBeanInfo(Probe.class.getName(), "metaleak test probe",
                    new MBeanAttributeInfo[0], new MBeanConstructorInfo[0],
                    new MBeanOperationInfo[0], new MBeanNotificationInfo[0]);
        }
    }
}
