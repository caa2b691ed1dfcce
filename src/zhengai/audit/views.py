from django.http import HttpResponse


def log(request):
    return HttpResponse("")
