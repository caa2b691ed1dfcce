from django.http import HttpResponse


def _todo(request):
    return HttpResponse("")


matrix = units = majors = courses = classes = teachers = students = calendar = _todo
