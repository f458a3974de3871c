from django.urls import path

from policy import views

app_name = "policy"

urlpatterns = [
    path("", views.policy_page, name="page"),
    path("template/", views.policy_choose, name="choose"),
    path("settings/", views.policy_settings, name="settings"),
    path("categories/<slug:code>/", views.policy_category, name="category"),
]
