"""What the API accepts and answers, in the shapes its OpenAPI schema documents."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.choices import TextOrigin
from articles.models import Article, Reference, Topic

MAX_REFERENCES = 100


class ReferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reference
        fields = ["authors", "title", "journal", "year", "pmid", "doi", "url"]


class ProvenanceSerializer(serializers.Serializer):
    origin = serializers.ChoiceField(
        choices=TextOrigin.choices,
        help_text=_(
            "How the text was produced: “human” (written by a person), “ai_assisted” "
            "(machine-assisted) or “ai_generated” (machine-generated, edited by a person)."
        ),
    )
    generator = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The generating system; required unless the origin is “human”."),
    )
    generator_version = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The model and its version; required unless the origin is “human”."),
    )
    source_reference = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Optional: the reader question's id or address."),
    )

    def validate(self, attrs):
        # Also in a partial update: provenance is changed as a whole or not at all.
        if "origin" not in attrs:
            raise serializers.ValidationError({"origin": [_("This field is required.")]})
        if attrs["origin"] != TextOrigin.HUMAN:
            missing = {
                name: [_("Required when a machine was involved in writing the text.")]
                for name in ("generator", "generator_version")
                if not attrs.get(name, "").strip()
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class DraftWriteSerializer(serializers.ModelSerializer):
    """A draft as an integration sends it: content, references and provenance."""

    topic = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Topic.objects.all(),
        help_text=_("The topic's slug, as in /topics/<slug>/."),
    )
    references = ReferenceSerializer(
        many=True,
        max_length=MAX_REFERENCES,
        help_text=_("In citation order: the first is [1] in the text."),
    )
    provenance = ProvenanceSerializer()

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "summary",
            "body",
            "plain_body",
            "change_note",
            "topic",
            "references",
            "provenance",
        ]
        extra_kwargs = {
            "slug": {
                "required": False,
                "help_text": _("Optional: made from the question when left out."),
            },
            "body": {"required": True, "allow_blank": False},
        }

    def to_service_data(self) -> dict:
        data = dict(self.validated_data)
        provenance = data.pop("provenance", None)
        if provenance is not None:
            data.update(provenance)
        if "references" in data:
            data["references"] = [dict(ref) for ref in data["references"]]
        return data


class DraftUpdateSerializer(DraftWriteSerializer):
    """The fields to change; references, when given, replace the whole list."""

    class Meta(DraftWriteSerializer.Meta):
        extra_kwargs = {
            **DraftWriteSerializer.Meta.extra_kwargs,
            "slug": {"required": False},
        }


class TransitionSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Optional note for the editors, kept in the article's history."),
    )


class ProvenanceOutSerializer(serializers.Serializer):
    origin = serializers.CharField()
    origin_label = serializers.CharField()
    generator = serializers.CharField()
    generator_version = serializers.CharField()
    source_reference = serializers.CharField()


def provenance_of(obj) -> dict:
    return {
        "origin": obj.origin,
        "origin_label": str(obj.get_origin_display()),
        "generator": obj.generator,
        "generator_version": obj.generator_version,
        "source_reference": obj.source_reference,
    }


class DraftSerializer(serializers.ModelSerializer):
    """An integration's own article as it stands in the workflow."""

    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    references = ReferenceSerializer(many=True, read_only=True)
    provenance = serializers.SerializerMethodField()
    editable = serializers.BooleanField(source="is_editable", read_only=True)
    live_version = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "body",
            "plain_body",
            "change_note",
            "topic",
            "state",
            "review_round",
            "editable",
            "live_version",
            "references",
            "provenance",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ProvenanceOutSerializer)
    def get_provenance(self, obj) -> dict:
        return provenance_of(obj)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_live_version(self, obj) -> int | None:
        return obj.live_version.number if obj.live_version_id else None


class AssignmentStatusSerializer(serializers.Serializer):
    reviewer = serializers.CharField(help_text=_("The board member's name."))
    credentials = serializers.CharField()
    round = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    assigned_at = serializers.DateTimeField()
    responded_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateField()


class DecisionStatusSerializer(serializers.Serializer):
    """A decision's public part: never the confidential note or conflict statement."""

    reviewer = serializers.CharField()
    round = serializers.IntegerField()
    decision = serializers.CharField()
    decision_label = serializers.CharField()
    comment_to_author = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class StatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    review_round = serializers.IntegerField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    review_started_at = serializers.DateTimeField(allow_null=True)
    live_version = serializers.IntegerField(allow_null=True)
    assignments = AssignmentStatusSerializer(many=True)
    decisions = DecisionStatusSerializer(many=True)


class PublishedReferenceSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    authors = serializers.CharField(allow_blank=True)
    title = serializers.CharField()
    journal = serializers.CharField(allow_blank=True)
    year = serializers.IntegerField(allow_null=True)
    pmid = serializers.CharField(allow_blank=True)
    doi = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)


class PublishedReviewerSerializer(serializers.Serializer):
    name = serializers.CharField()
    credentials = serializers.CharField(
        allow_blank=True, help_text=_("As they were on the day of the approval.")
    )
    specialties = serializers.ListField(child=serializers.CharField())


class PublishedSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    topic = serializers.DictField(child=serializers.CharField())
    version = serializers.IntegerField()
    approved_at = serializers.DateTimeField()
    url = serializers.URLField(help_text=_("The article's public page."))
    api_url = serializers.URLField()


class PublishedDetailSerializer(PublishedSummarySerializer):
    fingerprint = serializers.CharField(allow_null=True)
    body_html = serializers.CharField()
    body_markdown = serializers.CharField()
    plain_body_html = serializers.CharField(allow_blank=True)
    plain_body_markdown = serializers.CharField(allow_blank=True)
    references = PublishedReferenceSerializer(many=True)
    reviewers = PublishedReviewerSerializer(many=True)
    author = serializers.CharField()
    provenance = ProvenanceOutSerializer()
    change_note = serializers.CharField(allow_blank=True)
    submitted_at = serializers.DateTimeField()
    review_started_at = serializers.DateTimeField()
    last_reviewed = serializers.DateField(allow_null=True)
    next_review_due = serializers.DateField(allow_null=True)


class PublishedPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PublishedSummarySerializer(many=True)
