FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    LITELLM_LOCAL_MODEL_COST_MAP=True GUARDRAILS_RUN_SYNC=true
WORKDIR /app
COPY pyproject.toml README.md ./
COPY mediator ./mediator
COPY policies ./policies
COPY prompts ./prompts
RUN pip install --no-cache-dir . && useradd --create-home mediator
USER mediator
EXPOSE 8000
CMD ["mediator", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
