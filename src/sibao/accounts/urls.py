from django.urls import path

from sibao.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/", views.TwoFactorView.as_view(), name="two_factor"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/reveal-phone/", views.RevealPhoneView.as_view(), name="user_reveal_phone"),
]
