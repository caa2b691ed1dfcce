from django.http import HttpResponse


def dictionary(request):
    return HttpResponse("")
