"""The admin upload form: a file and whether to skip invalid rows."""

from django import forms


class ImportUploadForm(forms.Form):
    file = forms.FileField(help_text="A CSV file, UTF-8 (Excel: 'CSV UTF-8').")
    skip_invalid = forms.BooleanField(
        required=False,
        label="Skip invalid rows",
        help_text=(
            "Import the valid rows and list the rejected ones. Without it, nothing is "
            "written when a row is invalid."
        ),
    )
