package io.fedmesh.node.round;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one thread a round role (a coordinator driver, a participant agent) runs on: every event of the
 * role, message, timer or finished local work, one at a time and never on a gRPC transport thread.
 * Nothing a step throws stops the thread (it is logged; the round's deadlines deal with the rest), and
 * once closed, late events are dropped: the node is stopping.
 */
final class RoleThread implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RoleThread.class.getName());

  private final ExecutorService executor;
  private final ScheduledExecutorService timer;
  private final String role;

  /**
   * @param executor single-threaded, this role's own
   * @param timer shared by the node's roles; it only hands timer events over to the role's thread
   */
  RoleThread(ExecutorService executor, ScheduledExecutorService timer, String role) {
    this.executor = executor;
    this.timer = timer;
    this.role = role;
  }

  void submit(Runnable step) {
    try {
      executor.execute(() -> {
        try {
          step.run();
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, role + ": a step failed", e);
        }
      });
    } catch (RejectedExecutionException stopped) {
      // closed: the node is stopping
    }
  }

  void after(long millis, Runnable step) {
    try {
      timer.schedule(() -> submit(step), millis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopped) {
      // the node is stopping
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
