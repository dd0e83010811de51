"""Pages of the connections app."""

from django.urls import path

from connections import views

app_name = "connections"

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/requests/<int:pk>/accept/", views.request_accept, name="request-accept"),
    path("people/requests/<int:pk>/decline/", views.request_decline, name="request-decline"),
    path("people/requests/<int:pk>/cancel/", views.request_cancel, name="request-cancel"),
    path("people/<str:username>/connect/", views.connect, name="connect"),
    path("people/<str:username>/remove/", views.remove, name="remove"),
    path("people/<str:username>/block/", views.block, name="block"),
    path("people/<str:username>/unblock/", views.unblock, name="unblock"),
    path("people/<str:username>/mute/", views.mute, name="mute"),
    path("people/<str:username>/unmute/", views.unmute, name="unmute"),
    path("invitations/", views.invitation_create, name="invitation-create"),
    path("invite/<str:token>/", views.invitation, name="invitation"),
    path("tags/", views.tags, name="tags"),
    path("tags/new/", views.tag_create, name="tag-create"),
    path("tags/<int:pk>/rename/", views.tag_rename, name="tag-rename"),
    path("tags/<int:pk>/delete/", views.tag_delete, name="tag-delete"),
    path("tags/<int:pk>/members/", views.tag_member_add, name="tag-member-add"),
    path(
        "tags/<int:pk>/members/<str:username>/remove/",
        views.tag_member_remove,
        name="tag-member-remove",
    ),
]
