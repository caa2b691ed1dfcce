from django.shortcuts import render

from zhengai.accounts.scope import scope_for


def home(request):
    return render(request, "accounts/home.html", {"scope": scope_for(request.user)})
