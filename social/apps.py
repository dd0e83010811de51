from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "social"
    verbose_name = "Social"

    def ready(self):
        # Connection requests, acceptances and invitations become notifications here:
        # `connections` sits below `social` and may not import it, so its services announce
        # what happened after their commit (connections.events) and we subscribe.
        from connections import events
        from social import receivers

        events.connection_requested.connect(receivers.connection_requested, dispatch_uid="n1")
        events.connection_accepted.connect(receivers.connection_accepted, dispatch_uid="n2")
        events.invitation_accepted.connect(receivers.invitation_accepted, dispatch_uid="n3")
