/*
 * sv_notify.c — readiness and stopping for a service manager: systemd's
 * notification protocol (sd_notify(3)) for units of Type=notify.
 *
 * READY=1 goes out once every worker is up: its listener open and, in the
 * stateful model, its pool made and every instance's init run, which is
 * when /readyz turns 200. Sent earlier, systemd would start the units
 * ordered after this one (and a rolling restart would move on) while
 * requests still fail. STOPPING=1 goes out at the first SIGTERM or SIGINT,
 * when the drain begins.
 *
 * Started outside systemd, NOTIFY_SOCKET is unset and both do nothing;
 * built without libsystemd (WH_HAVE_SYSTEMD unset) too.
 */
#include "sv_int.h"

#include <string.h>

#ifdef WH_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

void sv_notify_ready(const char *status)
{
#ifdef WH_HAVE_SYSTEMD
    /* unset_environment 0: NOTIFY_SOCKET stays for STOPPING=1 (guests never
     * see the host's environment unless --env names it). */
    int r = sd_notifyf(0, "READY=1\nSTATUS=%s", status);
    if (r < 0)
        sv_log("systemd notification READY=1 failed: %s", strerror(-r));
#else
    (void)status;
#endif
}

void sv_notify_stopping(void)
{
#ifdef WH_HAVE_SYSTEMD
    int r = sd_notify(0, "STOPPING=1\nSTATUS=draining");
    if (r < 0)
        sv_log("systemd notification STOPPING=1 failed: %s", strerror(-r));
#endif
}
